/* A shared library that is not a campus-probe plugin. */
int campus_something_else(void) {
  return 42;
}
