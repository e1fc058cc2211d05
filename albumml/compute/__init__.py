"""Where training runs when not in this process: AWS Batch GPU jobs."""
