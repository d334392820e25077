class ntp ($servers = ['0.pool.ntp.org']) {
  file { '/etc/ntp.conf':
    content => template('ntp/ntp.conf.erb'),
    notify  => Service['ntpd'],
  }
}
