package My::Util;
use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(trim);

sub trim { my $s = shift; $s =~ s/^\s+|\s+$//g; return $s }

1;
