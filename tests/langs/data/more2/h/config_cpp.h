#ifndef CONFIG_H
#define CONFIG_H
#include <map>
#include <string>
using ConfigMap = std::map<std::string, std::string>;
ConfigMap load_config(const std::string &path);
#endif
