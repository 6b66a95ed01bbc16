"""Reproduces the figures of defect D029 (target leakage of the forecasting
engine's rolling features) and D030 (the forecast's zeroed features).

Run with the monitoring venv from the repository root:
    .venv-monitoring/bin/python python_baselines/observations/forecast_leakage.py
"""
import sys; sys.path.insert(0, 'python_baselines')
import numpy as np
from twinbench_baselines import forecasting as f
rng=np.random.default_rng(7)
n=168*4
h=np.arange(n)
vals=np.maximum(0, 100+30*np.sin(2*np.pi*h/24)+rng.normal(0,10,n))
fc, df = f.prepared_frame(1768867200+3600*h, vals, n, 1)
lin=fc._fit_linear_trend_model(df,'metric_0'); rf=fc._fit_ensemble_model(df,'metric_0')
print('linear', lin['performance']['r2'], 'forest', rf['performance']['r2'])
# without the leaking rolling columns
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
X=df[f.CALENDAR_COLUMNS].copy(); X['time_index']=range(len(df))
X['lag_24h']=df['metric_0'].shift(24); X['lag_168h']=df['metric_0'].shift(168); X=X.fillna(0)
y=df['metric_0']
tr=slice(0,n-168); te=slice(n-168,n)
for name, cols in [('with rolling (as written)', None), ('without rolling', list(X.columns))]:
    XX = X if cols else pd.concat([X, df['metric_0'].rolling(24,min_periods=1).mean().rename('rm'), df['metric_0'].rolling(24,min_periods=1).std().fillna(0).rename('rs')],axis=1)
    m=RandomForestRegressor(n_estimators=50,max_depth=10,random_state=42).fit(XX.iloc[tr],y.iloc[tr])
    from sklearn.metrics import r2_score
    print(name, 'in-sample', round(r2_score(y.iloc[tr], m.predict(XX.iloc[tr])),3), 'held-out last week', round(r2_score(y.iloc[te], m.predict(XX.iloc[te])),3))
XX = pd.concat([X[f.CALENDAR_COLUMNS+['time_index']], df['metric_0'].rolling(24,min_periods=1).mean().rename('rolling_mean_24h'), df['metric_0'].rolling(24,min_periods=1).std().fillna(0).rename('rolling_std_24h'), X[['lag_24h','lag_168h']]],axis=1)
m=RandomForestRegressor(n_estimators=50,max_depth=10,random_state=42).fit(XX.iloc[tr],y.iloc[tr])
Z=XX.iloc[te].copy(); Z[['rolling_mean_24h','rolling_std_24h','lag_24h','lag_168h']]=0
print('forecast-style (rolling and lags 0) held-out R2', round(r2_score(y.iloc[te], m.predict(Z)),3))
lm=__import__('sklearn.linear_model',fromlist=['x']).LinearRegression().fit(XX.iloc[tr][f.CALENDAR_COLUMNS+['time_index']], y.iloc[tr])
print('linear held-out', round(r2_score(y.iloc[te], lm.predict(XX.iloc[te][f.CALENDAR_COLUMNS+['time_index']])),3))
