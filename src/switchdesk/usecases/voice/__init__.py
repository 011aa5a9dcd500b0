"""The voice channel's use cases: IVR flows (versioned), calls from incoming to ended
through the IVR and the queue, and the call event log."""
