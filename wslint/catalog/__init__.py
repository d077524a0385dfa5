"""The rule catalog: rule definitions read from YAML, their options, their generated docs, and
the declarative checks that YAML rules carry."""
