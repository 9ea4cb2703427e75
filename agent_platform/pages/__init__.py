"""Page functions, one module per route group. Importing a module registers its pages."""
