"""The capacity snapshot's state row: marked dirty by the transactions that change the figures."""
