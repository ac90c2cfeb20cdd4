"""Area reports (报表) the gateway composes from each service's own statistics."""
