package My::Doc;
use strict;

=head1 DESCRIPTION

The render method is called by the framework; the method returns HTML.

=cut

sub render { return '<p/>' }
1;
