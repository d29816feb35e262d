"""The work order (工单): its lifecycle (pure state machine), numbers, deadlines, privacy, actions and
history."""
