-- One database per service; run once by the postgres image on an empty data volume
-- (/docker-entrypoint-initdb.d). Each service's Alembic migrations create its tables.
CREATE DATABASE tandem_portfolio;
CREATE DATABASE tandem_capacity;
CREATE DATABASE tandem_change;
CREATE DATABASE tandem_knowledge;
CREATE DATABASE tandem_metrics;
