"""Voice: call control as a port. The IVR is a pure state machine over a flow (data): it
consumes call events and emits call-control actions that each adapter renders (TwiML for
Twilio, media operations for SIP). Stdlib only; time comes in as an argument."""
