"""The base every other part stands on: settings, the store and its outbox, time, the directory, checks."""
