use strict;
use feature 'say';
say "Hello, World!";
