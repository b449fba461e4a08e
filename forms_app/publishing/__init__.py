"""What the street publishes or sends on a schedule: digest, figures, retention; the built site."""
