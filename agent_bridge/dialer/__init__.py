"""The outbound dialer: 回访 surveys and callbacks placed by AMI Originate, paced, within calling windows,
exactly once per attempt."""
