"""Conversation scripts in the Scansion format: read them, run them against a server with one
Session per character, compare what came back, and write a console session as a script."""
