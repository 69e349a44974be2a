"""Sources -> tasks -> executors -> outputs, journal and resume: many articles at once."""
