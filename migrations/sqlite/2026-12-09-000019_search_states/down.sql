DROP TRIGGER post_states_delete;
DROP TRIGGER post_states_update;
DROP TRIGGER post_states_insert;
DROP TABLE post_states;
