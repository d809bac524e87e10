"""Abaqueue: pieces shared by the scheduler, the node agent and the client.

`abaqueue.v1` holds the generated API code (`make proto`); never edit it by hand.
"""
