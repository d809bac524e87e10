"""The node agent: runs Abaqus jobs on one node for the Abaqueue scheduler."""
