"""Developer console: platform developers only; everyone else gets 404 on every /developer URL."""
