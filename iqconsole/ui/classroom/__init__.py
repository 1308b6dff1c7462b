"""`iqconsole serve`: the classroom in the browser (textual-serve), its teacher's page and the seat's "no seat" screen."""
