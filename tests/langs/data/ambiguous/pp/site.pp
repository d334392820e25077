node 'web01.example.com' {
  include nginx
  package { 'git':
    ensure => installed,
  }
}
