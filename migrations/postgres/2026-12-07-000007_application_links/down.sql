DROP TABLE application_links;
