DROP TABLE email_templates;
DROP TABLE notifications;
ALTER TABLE users DROP COLUMN language;
