-- Schema 3: non-finite reals (YAML's .nan, .inf, -.inf) in value columns are written as the
-- number tokens NaN, Infinity and -Infinity. Earlier versions wrote each as a one-key object
-- under a NUL-prefixed key, which a hash written with that key could be mistaken for; the
-- objects they wrote are rewritten here. Portable: REPLACE runs unchanged on SQLite and
-- PostgreSQL, and the JSON text holds the NUL as the six characters \u0000.
UPDATE parameters SET value_json = REPLACE(REPLACE(REPLACE(value_json,
    '{"\u0000lamina:float":"nan"}', 'NaN'), '{"\u0000lamina:float":"-inf"}', '-Infinity'),
    '{"\u0000lamina:float":"inf"}', 'Infinity')
  WHERE value_json LIKE '%lamina:float%';
UPDATE subnets SET attrs_json = REPLACE(REPLACE(REPLACE(attrs_json,
    '{"\u0000lamina:float":"nan"}', 'NaN'), '{"\u0000lamina:float":"-inf"}', '-Infinity'),
    '{"\u0000lamina:float":"inf"}', 'Infinity')
  WHERE attrs_json LIKE '%lamina:float%';
UPDATE smart_class_parameters SET default_json = REPLACE(REPLACE(REPLACE(default_json,
    '{"\u0000lamina:float":"nan"}', 'NaN'), '{"\u0000lamina:float":"-inf"}', '-Infinity'),
    '{"\u0000lamina:float":"inf"}', 'Infinity')
  WHERE default_json LIKE '%lamina:float%';
UPDATE override_values SET value_json = REPLACE(REPLACE(REPLACE(value_json,
    '{"\u0000lamina:float":"nan"}', 'NaN'), '{"\u0000lamina:float":"-inf"}', '-Infinity'),
    '{"\u0000lamina:float":"inf"}', 'Infinity')
  WHERE value_json LIKE '%lamina:float%';
UPDATE hosts SET facts_json = REPLACE(REPLACE(REPLACE(facts_json,
    '{"\u0000lamina:float":"nan"}', 'NaN'), '{"\u0000lamina:float":"-inf"}', '-Infinity'),
    '{"\u0000lamina:float":"inf"}', 'Infinity')
  WHERE facts_json LIKE '%lamina:float%';
UPDATE interfaces SET attrs_json = REPLACE(REPLACE(REPLACE(attrs_json,
    '{"\u0000lamina:float":"nan"}', 'NaN'), '{"\u0000lamina:float":"-inf"}', '-Infinity'),
    '{"\u0000lamina:float":"inf"}', 'Infinity')
  WHERE attrs_json LIKE '%lamina:float%';
