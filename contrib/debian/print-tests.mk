# Used by debian/rules together with the build's Makefile: prints $(TESTS)
# without the tests that act as root ($(ROOT_TESTS), given by debian/rules).
print-tests:
	@echo $(filter-out $(ROOT_TESTS),$(TESTS))
