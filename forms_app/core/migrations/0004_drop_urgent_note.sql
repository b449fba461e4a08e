-- Urgency is a yes/no; what is urgent goes in the description.
ALTER TABLE reports DROP COLUMN urgent_note;

