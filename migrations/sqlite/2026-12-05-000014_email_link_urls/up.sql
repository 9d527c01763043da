-- Where the e-mailed confirmation and unsubscribe links lead: a path under the site's URL or an
-- absolute URL holding `{token}`; empty for the API's own endpoints.
ALTER TABLE site ADD COLUMN confirm_url TEXT NOT NULL DEFAULT '';
ALTER TABLE site ADD COLUMN unsubscribe_url TEXT NOT NULL DEFAULT '';
