%module example
%{
#include "example.h"
%}
int fact(int n);
