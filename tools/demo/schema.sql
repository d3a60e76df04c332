-- The demo's "production": the example orders service's tables, with the
-- messiness production data has (several scripts, long names, legacy
-- totals sent as strings by old clients, old date formats, optional
-- fields, nested metadata). Deterministic: the same rows on every run.
-- All names and addresses here are made up for the demo.
SELECT setseed(0.42);

CREATE TABLE users (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    phone       text,
    tier        text,
    created_at  timestamptz NOT NULL
);

CREATE TABLE orders (
    id          text PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL,
    payload     json NOT NULL   -- the request body the service parsed
);

WITH first(n) AS (VALUES ('Mara'),('Ruth'),('Jonas'),('Aiko'),('Élodie'),('Zoë'),
       ('Søren'),('Ōta'),('Дмитрий'),('Αλέξανδρος'),('李'),('محمد'),('Nguyễn'),
       ('Bartholomew-Maximilian'),('José María'),('O''Brien'),('Małgorzata'),('İlkay')),
     last(n) AS (VALUES ('Velden'),('Okafor'),('Ekberg'),('Tanabe'),('Marchand'),
       ('Ødegård'),('Иванов'),('Παπαδόπουλος'),('小龙'),('الفارسي'),('Trần'),
       ('von Habsburg-Lothringen de la Tour'),('García Márquez'),('Müller'),('Nakamura'))
INSERT INTO users
SELECT i,
       (SELECT n FROM first ORDER BY random() + i * 0 LIMIT 1) || ' ' ||
       (SELECT n FROM last ORDER BY random() + i * 0 LIMIT 1),
       'user' || i || '.' || substr(md5(i::text), 1, 6) || '@' ||
           (ARRAY['example.com','example.net','mail.example.org','example.co.jp'])[1 + i % 4],
       CASE WHEN i % 7 = 0 THEN NULL ELSE '+' || (30 + i % 60) || ' ' || (600000000 + i * 7919 % 399999999) END,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (ARRAY['none','silver','gold','platinum'])[1 + i % 4] END,
       timestamptz '2018-01-01' + (i * 3571 % 2000) * interval '1 day'
FROM generate_series(1, 1500) AS i;

INSERT INTO orders
SELECT 'ord-' || substr(md5('o' || o), 1, 6),
       u.id,
       timestamptz '2019-01-01' + (o * 7919 % 1900) * interval '1 day' + (o % 86400) * interval '1 second',
       json_build_object(
         'id', 'ord-' || substr(md5('o' || o), 1, 6),
         'created_at', CASE WHEN o % 131 = 0
                            THEN to_char(timestamptz '2019-01-01' + (o % 900) * interval '1 day', 'YYYY-MM-DD HH24:MI:SS')
                            ELSE to_char(timestamptz '2019-01-01' + (o * 7919 % 1900) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
         'customer', CASE WHEN u.tier IS NULL
                          THEN json_build_object('id', u.id, 'name', u.name, 'email', u.email)
                          ELSE json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'tier', u.tier) END,
         'items', (SELECT json_agg(json_build_object(
                      'sku', (ARRAY['TEA','MUG','LAMP','BULB','BOOK','PEN','SCARF'])[1 + (o + k) % 7] || '-' || lpad(((o * k) % 1000)::text, 4, '0'),
                      'qty', 1 + (o * k) % 5,
                      'price', round(((o * 31 + k * 17) % 9000 / 100.0 + 0.5)::numeric, 2)))
                   FROM generate_series(1, 1 + o % 4) AS k),
         'total', CASE WHEN o % 150 = 0 THEN to_json(((o % 90) + 10)::text || '.00')
                       ELSE to_json(round(((o * 37) % 20000 / 100.0 + 1)::numeric, 2)) END,
         'currency', (ARRAY['EUR','USD','SEK','JPY','GBP'])[1 + o % 5],
         'metadata', CASE WHEN o % 23 = 0 THEN NULL
                          WHEN o % 5 = 0 THEN json_build_object('source', 'ios', 'app_version', '5.' || (o % 13) || '.1')
                          WHEN o % 5 = 1 THEN json_build_object('source', 'pos', 'store', json_build_object('id', 's-' || (o % 40), 'region', 'kanto'))
                          ELSE json_build_object('source', 'web', 'tags', json_build_array('gift', 'express')) END)
FROM generate_series(1, 4000) AS o
JOIN users u ON u.id = 1 + (o * 13) % 1500;
