# parse an Apache access log
sub parse_line {
    my ($line) = @_;
    return unless $line =~ m/^(\S+) \S+ \S+ \[([^\]]+)\] "(\w+) (\S+)/;
    return { ip => $1, time => $2, method => $3, path => $4 };
}
1;
