INSERT INTO users (email, created_at) VALUES ('a@example.com', NOW());
INSERT INTO users (email, created_at) VALUES ('b@example.com', NOW());
UPDATE users SET active = 1 WHERE email LIKE '%@example.com';
