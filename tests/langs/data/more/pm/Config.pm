package App::Config;

use strict;
use warnings;
use YAML::XS qw(LoadFile);

sub new {
    my ($class, %args) = @_;
    my $self = { file => $args{file} // 'config.yml' };
    return bless $self, $class;
}

sub load { my $self = shift; return LoadFile($self->{file}); }

1;
__END__
