use strict;
use warnings;
use Test::More tests => 2;

use_ok('My::Util');
is(My::Util::trim("  a "), 'a', 'trim works');
