"""abaqus-sim: a stand-in for the Abaqus launcher that writes the files real Abaqus writes.

See node_agent.sim.main for the command line and the options a test sets in its input file.
"""
