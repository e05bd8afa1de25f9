-- A version number of the registry: the people, organisations and
-- catalogue items that a purchase's page names.
--
-- A purchase's page is a function of its own rows, which change only with
-- an entry in its audit trail, and of the registry rows it joins (an
-- evaluator's name, an organisation's name and standing, the catalogue
-- item). The API answers a page's revalidation (If-None-Match) from the
-- purchase's latest audit entry and this number, without reading the page
-- again: every statement that changes the registry counts it up, in its
-- own transaction, so the new number is seen exactly when the change is.
--
-- One row: registry changes are an administrator's, rare enough to wait
-- for each other; a sequence would not do, as its value is seen before
-- the change commits.

-- +goose Up
CREATE TABLE registry_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    n   bigint  NOT NULL
);
INSERT INTO registry_version (n) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_version SET n = n + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER users_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION registry_changed();
CREATE TRIGGER suppliers_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON suppliers
    FOR EACH STATEMENT EXECUTE FUNCTION registry_changed();
CREATE TRIGGER catalog_items_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog_items
    FOR EACH STATEMENT EXECUTE FUNCTION registry_changed();

-- +goose Down
DROP TRIGGER users_registry_version ON users;
DROP TRIGGER suppliers_registry_version ON suppliers;
DROP TRIGGER catalog_items_registry_version ON catalog_items;
DROP FUNCTION registry_changed();
DROP TABLE registry_version;
