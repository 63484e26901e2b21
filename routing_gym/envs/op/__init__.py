"""op problem: orienteering with a tour-length limit."""
