"""Demo and load-run data: the embedded run's demo people (seed_demo, demo_code) and the load
run's clinic-sized dataset (seed_load). Kept out of clinic/, which imports no app."""
