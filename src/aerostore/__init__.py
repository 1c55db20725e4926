"""aerostore: the AircraftOps object-storage platform as one installable Python program."""

__version__ = "0.1.0"
