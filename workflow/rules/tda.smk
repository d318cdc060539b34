# Temporal data augmentation experiments (Kim et al. 2020): rules are added by the TDA stage.
