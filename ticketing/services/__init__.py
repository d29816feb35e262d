"""The ticketing service layer: the only way other packages (ivr, agent_bridge, the API) change tickets."""
