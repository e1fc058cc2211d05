-- Creates the stack's databases on the first start of an empty data volume
-- (the postgres image runs /docker-entrypoint-initdb.d/* once, as POSTGRES_USER, who then owns them).
SELECT 'CREATE DATABASE albumml' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'albumml')\gexec
SELECT 'CREATE DATABASE mlflow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mlflow')\gexec
SELECT 'CREATE DATABASE prefect' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'prefect')\gexec
