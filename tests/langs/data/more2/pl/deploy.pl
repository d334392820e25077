#!/usr/bin/perl
# Deploy helper
use Getopt::Long;
my ($host, $dry_run);
GetOptions('host=s' => \$host, 'dry-run' => \$dry_run) or die "bad options\n";
system("rsync -av build/ $host:/srv/app/") unless $dry_run;
