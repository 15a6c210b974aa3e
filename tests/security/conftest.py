def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: schemathesis against the running API (bounded by HAECHI_FUZZ_EXAMPLES)")
