"""One robot with unicycle kinematics on a warehouse floor: ``routing_gym/ContinuousAGV-v0``."""
