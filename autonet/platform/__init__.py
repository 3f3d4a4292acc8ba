"""The spine: configuration, AgentGate, the graph, scenarios, API, console and CLI."""
