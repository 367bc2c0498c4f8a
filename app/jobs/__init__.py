"""Background jobs on Huey: the queue, the job records and the consumer command."""
