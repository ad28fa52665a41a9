/**
 * Pushes as the channels send them, for the intake example's tests (times on Monday 2026-03-02,
 * a working day, in Asia/Shanghai).
 */
export const shanghai = (local: string) => Date.parse(`${local}+08:00`);

export const websiteForm = {
  name: '刘经理',
  company: '苏州精工机械',
  phone: '13800138000',
  email: 'liu@jinggong.example.cn',
  region: '江苏省',
  industry: '机械制造',
  message: '需要一套产线自动化改造方案，下季度采购',
  utm_campaign: '2026-spring-automation',
  utm_source: 'baidu',
  submitted_at: '2026-03-02 09:40:00',
  form_id: 'contact-us',
};

export const wechatPush = {
  ToUserName: 'gh_62287cf4ebbf',
  openid: 'okuRis8VoZgHXUfIFQKKWhEQmn4I',
  nickname: '小陈',
  CreateTime: shanghai('2026-03-02T09:42:30') / 1000,
  form_id: 'mp-form-1',
  form: {
    name: '陈老师',
    company: '上海市实验职业学校',
    region: '上海',
    industry: '教育',
    phone: '13700001234',
    need: '实训室要采购十套 PLC 教学设备',
    budget: '30万',
    school_size: '2000人',
  },
};

/** As text: the clue id is a 64-bit integer, beyond what a JavaScript number holds exactly. */
export const douyinPushText = `{
  "clue_id": 7301234567890123456,
  "advertiser_id": 1760000000000001,
  "advertiser_name": "杭州智控科技",
  "ad_id": 1790000000000002,
  "ad_name": "直播间-伺服电机专场",
  "clue_type": 0,
  "module_id": 7200000000000003,
  "module_name": "直播间留资表单",
  "create_time": "2026-03-02 09:45:10",
  "name": "王总",
  "telephone": "13900001111",
  "province_name": "浙江省",
  "city_name": "杭州市",
  "remark": "想了解伺服电机的价格和交期",
  "remark_dict": { "公司名称": "杭州恒远电子", "行业": "电子制造", "预算": "50万", "员工规模": "200人" },
  "app_name": "抖音",
  "system_tags": ["直播"]
}`;

export const hotlineCallback = {
  caller: '13600002222',
  called: '400-820-8820',
  call_id: 'CALL-20260302-0007',
  start_time: '2026-03-02 09:50:00',
  duration: 184,
  record_url: 'https://recordings.example.cn/CALL-20260302-0007.mp3',
};
