"""The Abaqueue scheduler: queues Abaqus jobs and hands them to node agents."""
