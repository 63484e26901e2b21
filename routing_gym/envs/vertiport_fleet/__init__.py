"""eVTOL vertiport fleet scheduling: ``routing_gym/VertiportFleet-v0``."""
