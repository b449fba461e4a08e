"""What residents do: report a problem, sign up for a joint reception, answer the follow-up."""
